"""Live events for streaming clients."""
