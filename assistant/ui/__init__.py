"""The Gradio web app: chat with sources, elements checklist, workshop mode, about the corpus."""
