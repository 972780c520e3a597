"""order-audit: exception register, review pack and refund check from order exports."""

__version__ = "0.1.0"
