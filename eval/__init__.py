"""The evaluation suite: measures ``qa`` from the outside against three baselines."""
