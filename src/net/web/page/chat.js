// The chat page: placeholder until the page lands.
'use strict';
