package nfsserver

import "container/list"

// lru is a map that remembers use order, for the bounded caches of this
// package. It does no locking: each owner guards it with its own mutex.
type lru[K comparable, V any] struct {
	items map[K]*list.Element
	order *list.List // front is the most recently used
}

type lruItem[K comparable, V any] struct {
	key K
	val V
}

func newLRU[K comparable, V any]() *lru[K, V] {
	return &lru[K, V]{items: make(map[K]*list.Element), order: list.New()}
}

// get returns the value of k and marks it as just used.
func (c *lru[K, V]) get(k K) (V, bool) {
	e, ok := c.items[k]
	if !ok {
		var zero V
		return zero, false
	}
	c.order.MoveToFront(e)
	return e.Value.(*lruItem[K, V]).val, true
}

// put stores v under k as the most recently used item.
func (c *lru[K, V]) put(k K, v V) {
	if e, ok := c.items[k]; ok {
		e.Value.(*lruItem[K, V]).val = v
		c.order.MoveToFront(e)
		return
	}
	c.items[k] = c.order.PushFront(&lruItem[K, V]{key: k, val: v})
}

// remove deletes k and reports whether it was there.
func (c *lru[K, V]) remove(k K) (V, bool) {
	e, ok := c.items[k]
	if !ok {
		var zero V
		return zero, false
	}
	c.order.Remove(e)
	delete(c.items, k)
	return e.Value.(*lruItem[K, V]).val, true
}

// oldest returns the least recently used item without touching it.
func (c *lru[K, V]) oldest() (K, V, bool) {
	e := c.order.Back()
	if e == nil {
		var (
			zk K
			zv V
		)
		return zk, zv, false
	}
	it := e.Value.(*lruItem[K, V])
	return it.key, it.val, true
}

// each calls fn for every item, most recent first, without reordering.
func (c *lru[K, V]) each(fn func(K, V)) {
	for e := c.order.Front(); e != nil; e = e.Next() {
		it := e.Value.(*lruItem[K, V])
		fn(it.key, it.val)
	}
}

func (c *lru[K, V]) len() int { return len(c.items) }
