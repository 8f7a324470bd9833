"""The engine's boundary: what crosses Temporal (boundary.types) and the one client that
sends workflow updates (boundary.client). Below activities/, notifier/, web/ and
workflows/, which all import it; it imports only `deadlines` and the Temporal SDK."""
