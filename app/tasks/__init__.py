"""After-payment work off the guest's path: the queue API (queue.py), the jobs (jobs.py), `flask worker` (worker.py)."""
