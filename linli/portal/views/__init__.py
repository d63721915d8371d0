"""The front door\x27s pages: sign-in and homes, imports and audit, and the places registers."""
