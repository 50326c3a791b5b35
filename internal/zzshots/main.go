package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/chromedp/chromedp"
)

func main() {
	email, pw := os.Args[1], os.Args[2]
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath("/usr/lib/chromium/chromium-headless-shell"), chromedp.NoSandbox, chromedp.WindowSize(1100, 1000))
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancel()
	ctx, cancel2 := chromedp.NewContext(actx)
	defer cancel2()
	ctx, cancel3 := context.WithTimeout(ctx, 60*time.Second)
	defer cancel3()
	base := "http://acme.localhost:8080"
	err := chromedp.Run(ctx,
		chromedp.Navigate(base+"/login"),
		chromedp.SendKeys("#email", email),
		chromedp.SendKeys("#password", pw),
		chromedp.Click(`form[action="/login"] button[type=submit]`),
		chromedp.Sleep(1500*time.Millisecond),
	)
	if err != nil {
		fmt.Println(err)
		return
	}
	for i, p := range os.Args[3:] {
		var buf []byte
		if err := chromedp.Run(ctx, chromedp.Navigate(base+p), chromedp.Sleep(500*time.Millisecond), chromedp.FullScreenshot(&buf, 100)); err != nil {
			fmt.Println(p, err)
			continue
		}
		os.WriteFile(fmt.Sprintf("/tmp/shot%d.png", i), buf, 0o644)
		fmt.Println("shot", i, p)
	}
}
