"""Travel-time catchments: the reached road within each time limit, its polygons and statistics.

:mod:`.bands` is the entry point; :mod:`.road_reach` finds the reached part of each road,
:mod:`.polygons` and :mod:`.polygon_assembly` turn it into nested polygons, :mod:`.cell_store`
keeps the cell index of a saved network on disk and :mod:`.stats` measures each band.
"""
