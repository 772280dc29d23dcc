#include "rpc/procedures.h"
