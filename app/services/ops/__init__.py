"""Operations: the health check, demo data and reconciliation with WeChat Pay."""
