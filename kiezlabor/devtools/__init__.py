"""Developer tooling: throwaway services and the demo/test commands."""
