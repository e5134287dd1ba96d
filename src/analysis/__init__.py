"""Research workbench: does light youth support delay or prevent specialist youth care?"""

__version__ = "0.1.0"
