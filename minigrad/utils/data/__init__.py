"""``minigrad.utils.data``, as ``torch.utils.data``: datasets, samplers that draw from
PyTorch's random streams, and a DataLoader that batches in the calling process."""

from .collate import default_collate, default_convert
from .dataloader import DataLoader, get_worker_info
from .dataset import ConcatDataset, Dataset, IterableDataset, Subset, TensorDataset, random_split
from .sampler import BatchSampler, RandomSampler, Sampler, SequentialSampler

__all__ = ["Dataset", "IterableDataset", "TensorDataset", "ConcatDataset", "Subset", "random_split", "Sampler",
           "SequentialSampler", "RandomSampler", "BatchSampler", "DataLoader", "get_worker_info", "default_collate",
           "default_convert"]
