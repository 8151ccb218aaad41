"""Gender Justice Assistant: answers from international criminal law texts with pinpoint citations.

    from assistant import Assistant
    bot = Assistant.open()
    answer = bot.ask("What is forced pregnancy?")
"""

from assistant.models import Answer, Citation, Passage, Unit

__all__ = ["Answer", "Assistant", "Citation", "Passage", "Unit"]


def __getattr__(name: str):
    if name == "Assistant":  # imported lazily: it loads torch and the embedding model
        from assistant.core import Assistant

        return Assistant
    raise AttributeError(name)
