"""Who works a task: handing it to a colleague, automatic assignment per group, who is away."""
