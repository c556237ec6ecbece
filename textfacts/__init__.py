"""Facts from free-text reports: displacement figures and conflict events, each with its sentence."""

from textfacts.extract import extract_facts, sentences

__all__ = ["extract_facts", "sentences"]
