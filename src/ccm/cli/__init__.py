"""The ``ccm`` console script: operator commands and the ECS scheduled task's entry point."""
