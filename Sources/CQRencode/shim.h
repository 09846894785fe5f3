// Debian's libqrencode (package libqrencode-dev): the QR encoder behind building QR codes.
#include <qrencode.h>
