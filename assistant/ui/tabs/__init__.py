"""The tabs of the web app, each built by one function that `build_app` composes."""
