"""Programmatic interfaces to Salon, beside the web pages."""
