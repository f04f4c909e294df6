"""Goals service: målstyrning and kvalitetsstyrning."""
