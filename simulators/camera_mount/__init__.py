"""The camera mount mechanism simulator (stepper, lead screw, limit switch) on mock GPIO."""
