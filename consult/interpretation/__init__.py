"""After the decision: policy interpretations (政策解读) published with a decision and after it,
the departments' policy specialists (政策专员), and residents' questions that they answer
(一号答), with the public figures of how promptly departments answer."""
