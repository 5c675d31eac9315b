"""The Train workspace: pick a recipe and data, run the trainer in a child process, watch and steer its runs."""
