"""Budget figures as data: records from tables and prose, stored in SQLite, audited.

extract.py finds the records of one document (build stage "figures"); store.py writes
and reads ``figures.sqlite`` in the index generation; audit.py checks that they add up.
"""
