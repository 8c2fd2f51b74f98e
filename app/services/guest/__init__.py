"""The guest journey: WeChat login, QR deep links, scenarios and places, footprints, the guest's own data."""
