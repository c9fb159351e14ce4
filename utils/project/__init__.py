"""The cockpit's own checkout: git, .env hygiene, the CI record, the pre-flight run."""
