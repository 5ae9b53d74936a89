// The one command table of the control API. sipsteerctl's subcommands map
// 1:1 onto these names; reload replays the config file through the same
// daemon functions (setAdmin/setWeight are what config and CLI share).
#pragma once

namespace sipsteer::control {

class Daemon;
void registerHandlers(Daemon& daemon);

}  // namespace sipsteer::control
