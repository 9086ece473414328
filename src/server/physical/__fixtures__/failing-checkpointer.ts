// A stand-in checkpoint thread that fails at once, as one that could not open its connection would.
throw new Error('checkpointer blew up')
