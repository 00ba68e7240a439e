# Thin wrapper: tasks.py does the work (it needs only Python >= 3.10).
PYTHON ?= python3

.PHONY: demo test setup
demo:
	$(PYTHON) tasks.py demo
test:
	$(PYTHON) tasks.py test
setup:
	$(PYTHON) tasks.py setup
