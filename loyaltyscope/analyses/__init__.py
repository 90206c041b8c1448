"""The mission's analyses, one call each (channel preferences, attitudinal vs behavioral
loyalty, the satisfaction chain, key drivers and importance–performance, wave comparison).
Each analysis is a function over the public engine (``cbsem``, ``psychometrics``, ``survey``)
returning a frozen result that follows the results protocol."""
