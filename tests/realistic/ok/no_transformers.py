"""A file that merely mentions generate( in another library: nothing to check."""
import numpy as np


class Sampler:
    def generate(self, n: int) -> np.ndarray:
        return np.random.default_rng(0).normal(size=n)


print(Sampler().generate(3))
