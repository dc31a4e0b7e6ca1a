"""Staff console: triage queue, ticket page, hotline intake."""
