"""Custom Keras losses. The first clips with K.epsilon(), as Keras itself does; the second
does not."""

from keras import backend as K


def categorical_crossentropy(y_true, y_pred):
    y_pred = K.clip(y_pred, K.epsilon(), 1 - K.epsilon())
    return -K.sum(y_true * K.log(y_pred), axis=-1)


def binary_crossentropy(y_true, y_pred):
    return -K.mean(y_true * K.log(y_pred) + (1 - y_true) * K.log(1 - y_pred), axis=-1)
