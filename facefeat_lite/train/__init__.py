"""Training core shared by all notebooks: loop + callbacks (:mod:`.core`), checkpoints and
load-or-train (:mod:`.checkpoint`)."""
from .checkpoint import (CachedRun, CheckpointError, PeriodicCheckpoint, checkpoint_path, config_hash,
                         load_checkpoint, load_or_train, restore_state, rng_state, save_checkpoint,
                         set_rng_state, state_dict_of)
from .core import Callback, Evaluate, ProgressBar, TrainState, fit, resolve_device, seed_everything

__all__ = ["TrainState", "Callback", "ProgressBar", "Evaluate", "fit", "seed_everything",
           "resolve_device", "CheckpointError", "PeriodicCheckpoint", "CachedRun", "load_or_train",
           "save_checkpoint", "load_checkpoint", "restore_state", "state_dict_of", "rng_state",
           "set_rng_state", "checkpoint_path", "config_hash"]
