package sim

import (
	"container/list"
	"encoding/binary"
	"hash/maphash"
	"sync/atomic"
)

// prefixCache models vLLM V1's automatic prefix caching (block_pool.py and
// kv_cache_utils.py) inside the simulator's KV budget. It is owned by the
// scheduler goroutine, except prepare (read-only fields, called by the
// request's handler) and the counters (read by /metrics).
//
//   - The budget is capacity blocks of blockSize tokens. A running sequence
//     reserves the blocks of prompt + max_tokens when it is admitted (the
//     simulator never preempts); reserved blocks are private until full.
//   - A full block is identified by a hash of its parent block's hash and
//     its token ids, so equal tokens after different prefixes are different
//     blocks. A block is cached when it is full: prompt blocks at admission
//     (vLLM caches them when it schedules the prefill), generated blocks
//     when the KV of their last token is computed, one step after it was
//     sampled. A partial block is never cached, so it is never a hit.
//   - An admitted sequence takes the longest chain of cached blocks that
//     starts its prompt, at most prompt-1 tokens (vLLM recomputes the last
//     prompt token to get its logits), and pays prefill for the rest only.
//   - Cached blocks that no running sequence holds stay in the unreserved
//     part of the budget, least recently used first, until an admission
//     needs their room. A finished sequence releases its blocks tail first,
//     so its prefix outlives its suffix, as in vLLM's free queue. Blocks of
//     running sequences are never evicted.
//   - queries and hits count prompt tokens per admitted request, as vLLM's
//     vllm:prefix_cache_queries and vllm:prefix_cache_hits do.
type prefixCache struct {
	blockSize  int
	capacity   int               // blocks in the KV budget
	blocks     map[uint64]*block // cached full blocks by chain hash
	lru        list.List         // cached blocks with ref 0, least recently used first
	referenced int               // cached blocks with ref > 0
	private    int               // reserved blocks of running sequences not (yet) cached
	seed       maphash.Seed
	scratch    []byte // hash input of decoded blocks, on the scheduler goroutine

	queries, hits atomic.Int64
}

// block is one cached full block.
type block struct {
	hash uint64
	ref  int           // running sequences holding it
	elem *list.Element // its place in lru while ref == 0
}

// seqBlocks is the prefix-cache state of one sequence.
type seqBlocks struct {
	hashes  []uint64 // chain hashes of the prompt's full blocks
	tail    []int    // token ids of the block being filled
	last    uint64   // chain hash of the last full block: the next one's parent
	held    []*block // cached blocks this sequence holds, in token order
	reserve int      // blocks reserved for prompt + max_tokens
}

func newPrefixCache(cfg Config) *prefixCache {
	return &prefixCache{
		blockSize: cfg.BlockSize,
		capacity:  cfg.KVCacheTokens / cfg.BlockSize,
		blocks:    map[uint64]*block{},
		seed:      maphash.MakeSeed(),
		scratch:   make([]byte, 0, 8*(cfg.BlockSize+1)),
	}
}

// prepare hashes the full blocks of a prompt and sizes its reservation. It
// runs on the request's goroutine so the scheduler only looks hashes up.
func (c *prefixCache) prepare(q *seq, ids []int, maxTokens int) {
	full := len(ids) / c.blockSize
	b := &seqBlocks{hashes: make([]uint64, full)}
	q.blocks = b
	buf := make([]byte, 0, 8*(c.blockSize+1))
	for i := range full {
		b.last = c.hash(buf, b.last, ids[i*c.blockSize:(i+1)*c.blockSize])
		b.hashes[i] = b.last
	}
	b.tail = append(make([]int, 0, c.blockSize), ids[full*c.blockSize:]...)
	b.reserve = (len(ids) + maxTokens + c.blockSize - 1) / c.blockSize
}

// hash chains a block's token ids to its parent's hash; buf is scratch
// space, hashed in one call because maphash is much faster on one long
// input than on many 8-byte writes.
func (c *prefixCache) hash(buf []byte, parent uint64, ids []int) uint64 {
	buf = binary.LittleEndian.AppendUint64(buf[:0], parent)
	for _, id := range ids {
		buf = binary.LittleEndian.AppendUint64(buf, uint64(id))
	}
	return maphash.Bytes(c.seed, buf)
}

// admit reserves q's blocks when they fit beside the running sequences'
// (always when alone, so an oversized request runs rather than waits
// forever), takes its cached prefix and caches its other full prompt
// blocks. It reports whether q was admitted and how many of its prompt
// tokens were cached.
func (c *prefixCache) admit(q *seq, alone bool) (cached int, ok bool) {
	b := q.blocks
	limit := min(len(b.hashes), (q.prompt-1)/c.blockSize)
	revived := 0 // hit blocks that leave the LRU list
	b.held = b.held[:0]
	for _, h := range b.hashes[:max(limit, 0)] {
		blk, ok := c.blocks[h]
		if !ok {
			break
		}
		if blk.ref == 0 {
			revived++
		}
		b.held = append(b.held, blk)
	}
	hit := len(b.held)
	need := b.reserve - hit
	if !alone && c.referenced+c.private+revived+need > c.capacity {
		b.held = b.held[:0]
		return 0, false
	}
	for _, blk := range b.held {
		c.ref(blk)
	}
	c.private += need
	c.evict(c.referenced + c.private + c.lru.Len() - c.capacity)
	for _, h := range b.hashes[hit:] {
		c.cache(q, h)
	}
	cached = hit * c.blockSize
	c.queries.Add(int64(q.prompt))
	c.hits.Add(int64(cached))
	return cached, true
}

// decoded caches the block that the step emitting generated token n
// completed: that step computed the KV of token n-1 (the prompt's, for n 1).
func (c *prefixCache) decoded(q *seq, n int) {
	if n < 2 {
		return
	}
	b := q.blocks
	b.tail = append(b.tail, outputIDs[(n-2)%len(outputIDs)])
	if len(b.tail) < c.blockSize {
		return
	}
	b.last = c.hash(c.scratch, b.last, b.tail)
	c.cache(q, b.last)
	b.tail = b.tail[:0]
}

// cache turns one of q's private blocks, now full, into a cached block. A
// block whose hash is cached already stays private: vLLM keeps such a
// duplicate too (it arises when the prompt-1 limit recomputes a block).
func (c *prefixCache) cache(q *seq, h uint64) {
	if _, ok := c.blocks[h]; ok {
		return
	}
	blk := &block{hash: h, ref: 1}
	c.blocks[h] = blk
	q.blocks.held = append(q.blocks.held, blk)
	c.private--
	c.referenced++
}

// release returns q's blocks: private ones to the free space, cached ones
// to the LRU list, tail first.
func (c *prefixCache) release(q *seq) {
	b := q.blocks
	c.private -= b.reserve - len(b.held)
	for i := len(b.held) - 1; i >= 0; i-- {
		blk := b.held[i]
		if blk.ref--; blk.ref == 0 {
			blk.elem = c.lru.PushBack(blk)
			c.referenced--
		}
	}
	b.held = nil
}

func (c *prefixCache) ref(blk *block) {
	if blk.ref == 0 {
		c.lru.Remove(blk.elem)
		blk.elem = nil
		c.referenced++
	}
	blk.ref++
}

// evict forgets the n least recently used unreferenced blocks.
func (c *prefixCache) evict(n int) {
	for ; n > 0 && c.lru.Len() > 0; n-- {
		blk := c.lru.Remove(c.lru.Front()).(*block)
		delete(c.blocks, blk.hash)
	}
}

// reserved is the KV budget in tokens that running sequences hold.
func (c *prefixCache) reserved() int { return (c.referenced + c.private) * c.blockSize }

// inUse is the number of KV tokens running sequences have filled, a shared
// cached block counted once.
func (c *prefixCache) inUse(running []*seq) int {
	kv := c.referenced * c.blockSize
	for _, q := range running {
		kv += q.prompt + int(q.generated.Load()) - len(q.blocks.held)*c.blockSize
	}
	return kv
}
