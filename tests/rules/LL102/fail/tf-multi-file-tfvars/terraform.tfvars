batch_size = 25
