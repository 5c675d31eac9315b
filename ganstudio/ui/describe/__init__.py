"""The Describe workspace: text to image."""
