visibility_timeout = 60
