"""Therapy modules: drugs and cell products composed with the SLE model when an arm names them."""
