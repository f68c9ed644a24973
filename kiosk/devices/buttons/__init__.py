"""Physical push buttons beside the screen: call staff (with its lamp) and tactile tickets."""
