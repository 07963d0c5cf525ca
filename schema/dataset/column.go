package dataset

// column is a growable list stored in fixed blocks: appending never copies
// what is there (a slice that doubles holds the old and the new array at
// once, half of it unused), so an index of millions of entries takes its
// 12 bytes per entry and little more.
type column[T any] struct {
	blocks [][]T
	n      int
}

// columnBlock is the entries per block: 64K, a few hundred KB.
const columnBlock = 1 << 16

func (c *column[T]) append(v T) {
	if c.n%columnBlock == 0 {
		c.blocks = append(c.blocks, make([]T, 0, columnBlock))
	}
	b := &c.blocks[len(c.blocks)-1]
	*b = append(*b, v)
	c.n++
}

func (c *column[T]) at(i int) T { return c.blocks[i/columnBlock][i%columnBlock] }

func (c *column[T]) len() int { return c.n }

// drain calls f with each value in order, releasing each block once read,
// so that moving one column into another needs one block more, not twice
// the memory.
func (c *column[T]) drain(f func(T)) {
	for i, b := range c.blocks {
		for _, v := range b {
			f(v)
		}
		c.blocks[i] = nil
	}
	c.blocks, c.n = nil, 0
}
