"""The motorised camera mount of the ID photo booth (optional hardware)."""
