// The Redis functions a node calls (Redis 7 FUNCTION LOAD, one library, loaded again on every
// connection so a node always runs its own version). Each runs atomically: that is what makes a
// batch and the presence it changes one step, a nickname claim race have one winner, and a
// dead node's reaping happen exactly once.
//
// The key layout is store_keys.hpp's; the reaper writes batches in cluster_batch.hpp's text
// ("\31" is Lua for its \x1f separator). The reaper touches keys it is not passed, which a
// single Redis allows and a Redis Cluster would not (docs/scaling.md).
#pragma once

#include <string_view>

namespace chatd::cluster {

inline constexpr std::string_view store_functions = R"lua(#!lua name=chatd

local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

-- A room's topic is kept while the room exists: while somebody is in it (the lobby always is).
local function forget_topic_if_empty(members, topic, folded)
  if folded ~= 'lobby' and redis.call('HLEN', members) == 0 then redis.call('DEL', topic) end
end

-- Every member of `node` leaves every room it was in ("node lost" unless quiet), and its
-- nicknames are free again.
local function reap(node, maxlen, quiet)
  local rooms_key = 'chatd:node:' .. node .. ':rooms'
  local prefix = node .. '/'
  for _, room in ipairs(redis.call('SMEMBERS', rooms_key)) do
    local members = 'chatd:{' .. room .. '}:members'
    local flat = redis.call('HGETALL', members)
    local batch = 'reaped:' .. node .. '\31' .. '0\n'
    local gone = 0
    for i = 1, #flat, 2 do
      if string.sub(flat[i], 1, #prefix) == prefix then
        batch = batch .. 'L\31' .. string.sub(flat[i], #prefix + 1) .. '\31' .. flat[i + 1] ..
                '\31node_lost\31\n'
        redis.call('HDEL', members, flat[i])
        gone = gone + 1
      end
    end
    if gone > 0 and not quiet then
      redis.call('XADD', 'chatd:{' .. room .. '}:log', 'MAXLEN', '~', maxlen, '*', 'b', batch)
    end
    forget_topic_if_empty(members, 'chatd:{' .. room .. '}:topic', room)
  end
  redis.call('DEL', 'chatd:node:' .. node .. ':inbox')
  redis.call('DEL', rooms_key)
  local nicks_key = 'chatd:node:' .. node .. ':nicks'
  for _, nick in ipairs(redis.call('SMEMBERS', nicks_key)) do
    if redis.call('HGET', 'chatd:nicks', nick) == node then redis.call('HDEL', 'chatd:nicks', nick) end
  end
  redis.call('DEL', nicks_key)
  redis.call('ZREM', 'chatd:nodes', node)
end

-- KEYS: room log, room members, chatd:rooms, node rooms, room topic.
-- ARGV: maxlen, batch, node, folded room, room name, then (op, member, name) per presence
-- change: op j (joined), l (left) or r (renamed), or (t, by, topic) for a topic set (an empty
-- topic clears it). Returns the entry's id.
redis.register_function('chatd_append', function(keys, argv)
  for i = 6, #argv, 3 do
    local field = argv[3] .. '/' .. argv[i + 1]
    if argv[i] == 't' then
      if argv[i + 2] == '' then
        redis.call('DEL', keys[5])
      else
        redis.call('HSET', keys[5], 'by', argv[i + 1], 'text', argv[i + 2])
      end
    elseif argv[i] == 'l' then
      redis.call('HDEL', keys[2], field)
    else
      redis.call('HSET', keys[2], field, argv[i + 2])
    end
  end
  forget_topic_if_empty(keys[2], keys[5], argv[4])
  redis.call('HSETNX', keys[3], argv[4], argv[5])
  redis.call('SADD', keys[4], argv[4])
  return redis.call('XADD', keys[1], 'MAXLEN', '~', argv[1], '*', 'b', argv[2])
end)

-- A node registers its members again after its link was lost: only those the store no longer
-- knows are written to the log (as rejoins), so nobody sees a member arrive twice.
-- KEYS: as chatd_append (the topic's is not used). ARGV: maxlen, batch header line, node, folded room, room name, then
-- (member, name) pairs. Returns how many the store did not know.
redis.register_function('chatd_rejoin', function(keys, argv)
  local batch = argv[2]
  local added = 0
  for i = 6, #argv, 2 do
    if redis.call('HSETNX', keys[2], argv[3] .. '/' .. argv[i], argv[i + 1]) == 1 then
      batch = batch .. 'J\31' .. argv[i] .. '\31' .. argv[i + 1] .. '\31r\n'
      added = added + 1
    end
  end
  redis.call('HSETNX', keys[3], argv[4], argv[5])
  redis.call('SADD', keys[4], argv[4])
  if added > 0 then
    redis.call('XADD', keys[1], 'MAXLEN', '~', argv[1], '*', 'b', batch)
  end
  return added
end)

-- A node's heartbeat, which also reaps every node silent for longer than the timeout.
-- ARGV: node, timeout ms, maxlen. Returns {1 if the node was not registered, nodes reaped}.
redis.register_function('chatd_heartbeat', function(keys, argv)
  local now = now_ms()
  local dead = redis.call('ZRANGEBYSCORE', 'chatd:nodes', '-inf', now - tonumber(argv[2]))
  for _, node in ipairs(dead) do
    if node ~= argv[1] then reap(node, argv[3], false) end
  end
  local added = redis.call('ZADD', 'chatd:nodes', now, argv[1])
  return {added, #dead}
end)

-- A node that stops cleanly: its leaves are in the logs already. ARGV: node.
redis.register_function('chatd_depart', function(keys, argv)
  reap(argv[1], 0, true)
  return 1
end)

-- Claims a nickname (folded) for a node, unless a live node holds it.
-- ARGV: nickname, node, timeout ms. Returns 1 claimed, 2 this node held it already, 0 taken.
redis.register_function('chatd_claim', function(keys, argv)
  local owner = redis.call('HGET', 'chatd:nicks', argv[1])
  if owner == argv[2] then return 2 end
  if owner then
    local seen = redis.call('ZSCORE', 'chatd:nodes', owner)
    if seen and tonumber(seen) >= now_ms() - tonumber(argv[3]) then return 0 end
  end
  redis.call('HSET', 'chatd:nicks', argv[1], argv[2])
  redis.call('SADD', 'chatd:node:' .. argv[2] .. ':nicks', argv[1])
  return 1
end)

-- ARGV: nickname (folded), node.
redis.register_function('chatd_release', function(keys, argv)
  if redis.call('HGET', 'chatd:nicks', argv[1]) == argv[2] then
    redis.call('HDEL', 'chatd:nicks', argv[1])
  end
  redis.call('SREM', 'chatd:node:' .. argv[2] .. ':nicks', argv[1])
  return 1
end)

-- A private message for the member holding a nickname (folded), put in the inbox of its node
-- if that node is alive. ARGV: nickname, payload, timeout ms, maxlen. Returns 1 sent, 0 when
-- no live node holds the nickname.
redis.register_function('chatd_private', function(keys, argv)
  local owner = redis.call('HGET', 'chatd:nicks', argv[1])
  if not owner then return 0 end
  local seen = redis.call('ZSCORE', 'chatd:nodes', owner)
  if not seen or tonumber(seen) < now_ms() - tonumber(argv[3]) then return 0 end
  redis.call('XADD', 'chatd:node:' .. owner .. ':inbox', 'MAXLEN', '~', argv[4], '*', 'p', argv[2])
  return 1
end)

-- Every room with members, and how many: {name, count, name, count, ...}. Rooms nobody is in
-- any more are forgotten, except the lobby.
redis.register_function('chatd_rooms', function(keys, argv)
  local out = {}
  local flat = redis.call('HGETALL', 'chatd:rooms')
  for i = 1, #flat, 2 do
    local count = redis.call('HLEN', 'chatd:{' .. flat[i] .. '}:members')
    if count == 0 and flat[i] ~= 'lobby' then
      redis.call('HDEL', 'chatd:rooms', flat[i])
    else
      table.insert(out, flat[i + 1])
      table.insert(out, count)
    end
  end
  return out
end)
)lua";

}  // namespace chatd::cluster
