//! Importers for PyTorch checkpoints (`torch.save` zip format) and `.safetensors`.
