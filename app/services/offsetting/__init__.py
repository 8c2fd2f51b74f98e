"""Offsetting and money: projects and their serialised credits, orders, WeChat Pay, the ledger,
certificates with their images and public proof, and the leaderboards they feed."""
