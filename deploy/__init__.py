"""Deployment: HAProxy in front of several service instances (deploy/README.md)."""
