"""From a question to a quoted answer: parse, departments, retrieval, sentences, figures, citations."""
