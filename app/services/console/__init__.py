"""The staff console: accounts, scenario administration, doors and posters, venue staff, the organiser's
dashboard, event neutralisation and project owners' payouts. Who may do what is asked of app.policy."""
