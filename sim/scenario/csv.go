package scenario

import (
	"encoding/csv"
	"errors"
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"
)

// readCSV reads an index price path: rows of "seconds,price" (a header row
// whose first cell is not a number is skipped), seconds increasing from 0
// or more, prices > 0.
func readCSV(path string) ([]Point, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.FieldsPerRecord = 2
	r.TrimLeadingSpace = true
	rows, err := r.ReadAll()
	if err != nil {
		return nil, err
	}
	var pts []Point
	for i, row := range rows {
		sec, err1 := strconv.ParseFloat(strings.TrimSpace(row[0]), 64)
		price, err2 := strconv.ParseFloat(strings.TrimSpace(row[1]), 64)
		if i == 0 && err1 != nil {
			continue // header
		}
		switch {
		case err1 != nil || err2 != nil:
			return nil, fmt.Errorf("row %d: want seconds,price numbers, got %q", i+1, row)
		case math.IsNaN(sec) || sec < 0 || (len(pts) > 0 && sec <= pts[len(pts)-1].Sec):
			return nil, fmt.Errorf("row %d: seconds %v must be ≥ 0 and increasing", i+1, sec)
		case !(price > 0) || math.IsInf(price, 0):
			return nil, fmt.Errorf("row %d: price %v must be > 0", i+1, price)
		}
		pts = append(pts, Point{Sec: sec, Price: price})
	}
	if len(pts) == 0 {
		return nil, errors.New("no rows")
	}
	return pts, nil
}
