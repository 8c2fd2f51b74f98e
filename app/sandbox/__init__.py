"""Sandbox simulators of WeChat's servers (login API now, WeChat Pay v3 next). Sandbox mode only."""
