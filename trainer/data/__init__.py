"""Datasets for every recipe, and the joint image/label-map augmentation."""
from .attributes import AttributeDataset
from .folder import ImageFolderDataset
from .images import IMAGE_EXTENSIONS, list_images
from .labelmaps import LabelMapDataset
from .paired import PairedDataset
from .transforms import JointTransform
from .unpaired import UnpairedDataset

__all__ = [
    "AttributeDataset",
    "IMAGE_EXTENSIONS",
    "ImageFolderDataset",
    "JointTransform",
    "LabelMapDataset",
    "PairedDataset",
    "UnpairedDataset",
    "list_images",
]
