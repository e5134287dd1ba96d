"""Research workbench: does light youth support prevent, delay or reduce specialist youth care?"""

__version__ = "0.1.0"
