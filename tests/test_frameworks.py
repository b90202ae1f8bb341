"""Framework knowledge is one module per library, merged into the tables the analysis reads."""

import pytest

from engine_helpers import flagged

from nanguard import frameworks as fw
from nanguard.frameworks import numpy
from nanguard.frameworks.library import Effect, Library, each


@pytest.mark.parametrize("module", ["jax.numpy", "tensorflow.experimental.numpy", "keras.ops"])
def test_a_module_that_mirrors_numpy_knows_its_functions_and_logs(module):
    for name in numpy.API:
        assert f"{module}.{name}" in fw.VALUE_FUNCTIONS
    for name in numpy.API_LOGS:
        assert fw.LOG_FUNCTIONS[f"{module}.{name}"].kit == module


def test_a_mirror_declares_only_where_it_differs():
    assert fw.VALUE_FUNCTIONS["keras.ops.clip"].bound_keywords == ("x_min",)
    assert fw.VALUE_FUNCTIONS["jax.numpy.clip"] == fw.VALUE_FUNCTIONS["numpy.clip"]


def test_a_mirrored_function_is_followed_in_the_mirror():
    # jax.numpy.minimum was NumPy's only: the mirror gives it to every NumPy-like module.
    code = "from keras import ops\ndef f(z):\n    return ops.log(ops.minimum(ops.softmax(z), 1.0))\n"
    assert len(flagged(code)) == 1


def test_two_libraries_declaring_one_name_differently_is_an_error():
    first = Library(value_functions=each(Effect.SOFTMAX, "lib.f"))
    second = Library(value_functions=each(Effect.SIGMOID, "lib.f"))
    assert fw.merged("value_functions", (first, first)) == first.value_functions
    with pytest.raises(ValueError, match="'lib.f' in value_functions is declared twice"):
        fw.merged("value_functions", (first, second))


def test_frameworks_are_listed_in_the_order_of_the_setting():
    assert list(fw.FRAMEWORKS) == ["tensorflow", "keras", "torch", "numpy", "jax"]
    assert fw.FRAMEWORK_DTYPES == {"numpy": "float64"}
